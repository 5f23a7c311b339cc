"""The domain: accounts, segmentation, risk signals, answers, briefs, tactics, quizzes."""
