"""Search attributes on every run the product starts, so runs are found the same way in the
API, the Temporal UI and `temporal workflow list --query`. `make run` registers them all."""

from temporalio.common import SearchAttributeKey

RUN_KIND = SearchAttributeKey.for_keyword("RunKind")  # campaign | series | notification ...
CAMPAIGN_ID = SearchAttributeKey.for_keyword("CampaignId")
SERIES_ID = SearchAttributeKey.for_keyword("SeriesId")
CLUSTER_IDS = SearchAttributeKey.for_keyword_list("ClusterIds")
SUBJECT = SearchAttributeKey.for_keyword("Subject")
PHASE = SearchAttributeKey.for_keyword("Phase")  # campaign phase or session status
TERM = SearchAttributeKey.for_keyword("Term")  # e.g. 2026-2027-1
STARTED_BY = SearchAttributeKey.for_keyword("StartedBy")  # username of who launched it

ALL = [RUN_KIND, CAMPAIGN_ID, SERIES_ID, CLUSTER_IDS, SUBJECT, PHASE, TERM, STARTED_BY]
