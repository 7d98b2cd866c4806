"""What the API and the console share as one Flask app on one server: the request's database
connection (entered into the caller's account) and the per-address and per-key limits. Both
entry points import this; neither imports the other."""
