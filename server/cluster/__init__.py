"""Clustering over Redis: several hubs serving as one."""
