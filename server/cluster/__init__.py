"""Several hubs as one, over Redis: message delivery across the nodes, and the cluster's
registry of nodes and their clients."""
