"""The sales app's background jobs, one module per area (like views/, api/, services/). Each job
takes ids or nothing, and is safe to run twice; periodic ones are listed in config/schedule.py."""
