"""Teacher exchanges (交流轮岗): the records, their timeline, the live quotas, the Excel import."""
