"""The workbench's REST API (`/api/v1/`): the same services, QuerySets and filters as the pages.

Every write goes through `factcheck.services`, so an API change is audited and
refused exactly as the same change on a page; errors are problem details
(RFC 9457) carrying the service's own message and field.
"""
