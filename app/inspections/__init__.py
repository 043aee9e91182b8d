"""The rest of the plan (issue 16): spot inspections (飞行检查) with a checklist and findings to put right."""
