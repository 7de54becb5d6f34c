"""Scheduling shared by every programme whose events are dated occurrences (a series' weekly
sessions, a tour's stops): what a skip or a reschedule does to one occurrence, and how a run
finds its next due step. Each programme keeps its own tables, steps and notices."""
