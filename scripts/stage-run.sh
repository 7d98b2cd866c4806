#!/usr/bin/env bash
# Run one `reminderly ...` command inside a deployed stage (its network, its database
# credentials), as a one-off task of the worker's task definition, and print its output.
#   scripts/stage-run.sh prod reminderly ops status --stage prod --no-aws
# Needs the AWS CLI v2, python3 and credentials for the stage's account; the outputs of the
# stage's service stack (named by deploy_contract/naming.py, as the CDK app names it) say where.
set -euo pipefail
stage="${1:?usage: scripts/stage-run.sh STAGE reminderly ARGS...}"
shift
[ "${1:-}" = "reminderly" ] || { echo "error: the command must start with reminderly" >&2; exit 2; }
stack=$(python3 "$(dirname "$0")/../deploy_contract/naming.py" "$stage" service)
output() {
  aws cloudformation describe-stacks --stack-name "$stack" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}
cluster=$(output ClusterName)
taskdef=$(output WorkerTaskDefinition)
service=$(output WorkerServiceName)
logs=$(output WorkerLogGroup)
network=$(aws ecs describe-services --cluster "$cluster" --services "$service" \
  --query 'services[0].networkConfiguration' --output json)
command=$(python3 -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "$@")
task=$(aws ecs run-task --cluster "$cluster" --task-definition "$taskdef" --launch-type FARGATE \
  --network-configuration "$network" \
  --overrides "{\"containerOverrides\": [{\"name\": \"worker\", \"command\": $command}]}" \
  --started-by "stage-run:${USER:-operator}" --query 'tasks[0].taskArn' --output text)
echo "task $task: $*" >&2
aws ecs wait tasks-stopped --cluster "$cluster" --tasks "$task"
aws logs tail "$logs" --log-stream-names "worker/worker/${task##*/}" --since 1h --format short
code=$(aws ecs describe-tasks --cluster "$cluster" --tasks "$task" --query 'tasks[0].containers[0].exitCode' --output text)
exit "${code:-1}"
