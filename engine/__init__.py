"""The product as a Temporal client: connecting, search attributes, starting and steering runs,
reading them back (lists, state, histories, timelines). Workflow code lives in workflows/; the
user's actions (actions/) call this to reach a run."""
