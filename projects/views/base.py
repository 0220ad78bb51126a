"""What every projects page shares."""

PAGE_SIZE = 25
