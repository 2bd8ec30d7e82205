"""`liaison simulate`: the follow-up engine against synthetic vendors on a driven clock."""
