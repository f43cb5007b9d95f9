"""EvaluAgent: evaluations with line items, users and groups, conversation analytics."""
