"""Use cases of the case manager.

Every service takes a SQLAlchemy ``Session`` owned by the caller and the ``Actor`` it
acts for, checks the permission matrix, writes the audit trail in the same transaction
and returns frozen dataclasses (``casemgr.services.dto``), never ORM objects.
"""
