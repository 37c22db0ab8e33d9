"""The learner's side of problem reports: the "Report a problem" form under an answered question.

The service (filing, the queue, closing) is learnpath.admin.reports; the triage pages are in
learnpath.admin.report_routes.
"""
