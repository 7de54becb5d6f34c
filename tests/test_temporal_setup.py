from contracts.search_attributes import ALL
from engine.connection import register_search_attributes


async def test_search_attributes_registration_is_idempotent(local_env):
    assert await register_search_attributes(local_env.client, namespace=local_env.client.namespace) == []


async def test_dev_server_knows_every_search_attribute(local_env):
    from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest

    listed = await local_env.client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=local_env.client.namespace)
    )
    assert {key.name for key in ALL} <= set(listed.custom_attributes)
