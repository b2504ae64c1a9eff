"""The console's own /api endpoints: auth and tokens, staff, departments, audit trail."""
