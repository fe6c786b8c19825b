"""Link templates and the relationship endpoints every relation gets."""
