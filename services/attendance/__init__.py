"""Attendance: one check-in window rule and one absentees-by-school query for every kind of event
people check in to (a campaign's trainings, a series' weekly sessions, a tour's stops; mentor
observations next). Each kind keeps its own check-in table; what it passes here is what
distinguishes it: its window's minutes, who was expected, who checked in."""

from services.attendance.absentees import Absentee, absentees, by_school
from services.attendance.window import AttendanceKind, CheckinWindow, WindowRule, default_rule

__all__ = ["Absentee", "AttendanceKind", "CheckinWindow", "WindowRule", "absentees", "by_school", "default_rule"]
