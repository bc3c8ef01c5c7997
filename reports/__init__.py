"""PDF documents (reportlab only, no Qt). Input: plain data from ``casemgr``."""
