"""Business logic and queries, shared by the API routes and the activities.
Functions take an AsyncSession and keyword-only arguments; they flush, the caller commits."""
