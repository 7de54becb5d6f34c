"""What a run records about itself (in workflow histories: change only by adding)."""

# The reason recorded when a campaign or series run is cancelled from outside the product
# (the runs console, the Temporal UI or CLI), where the workflow cannot read the admin's words.
CANCELLED_FROM_OUTSIDE = "运行被管理员取消 (the run was cancelled by an admin)"
