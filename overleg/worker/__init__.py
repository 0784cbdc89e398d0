"""`flask --app overleg worker`: the outbox sender, the reply mailbox reader and the daily jobs in
one process, each job under a lease so that two workers never run the same job at once."""
