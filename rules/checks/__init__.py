"""The named checks that rule packs call. Each is a pure function of a RuleContext that returns
what is missing, in words a manager understands; an empty list means the rule passes."""
