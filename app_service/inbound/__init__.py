"""What comes back from providers (delivery receipts, inbound SMS) and from customers (link
clicks, survey answers)."""
