"""What staff see: each function turns an admin use case's result into text and buttons."""
