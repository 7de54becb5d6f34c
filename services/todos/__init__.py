"""A teacher's one to-do list (待办): every action waiting for her, across programmes, most urgent
first. Each programme answers its own items (`services/<domain>/todos.py: async def todos_for(
session, *, user, now) -> list[Todo]`, contracts/todos/api.py); this package only gathers them."""
