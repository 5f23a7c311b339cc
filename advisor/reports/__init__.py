"""Reports for managers: account briefs, the weekly digest, knowledge gaps, the defector study, charts."""
