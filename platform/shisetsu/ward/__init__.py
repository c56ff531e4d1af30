"""The ward console: the auditors' read-only pages across every tenant (usage, staff,
audit, lottery, handover ledger, personal data), the reads behind them (each logged in that
tenant's access log), and the auditor accounts and their command line."""
