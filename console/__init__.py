"""The web console: server-rendered Chinese pages under /console for staff, teachers and admins,
usable at phone width. It calls the same services as the API, with the same roles and guards;
the notices' deep links open its pages."""
