"""What on-call engineers run (`reminderly ops ...`, `reminderly dr ...`): the database side of
the fixes the runbooks call for, and the AWS side through boto3."""
