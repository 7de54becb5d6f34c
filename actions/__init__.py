"""The application layer: one function per thing a user does (launch a campaign, vote, approve a
plan, pause a series, retry a notice...). Each decides who may (role, ownership, scope), applies
the rule, writes, steers the run, commits, and returns what the caller renders. The API's routes
and the console's pages only parse input, call one of these, and render the answer."""
