"""Teacher exchanges (交流轮岗): what travels in the exchange and quota runs' histories, and over HTTP."""
