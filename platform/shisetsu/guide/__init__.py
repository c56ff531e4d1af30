"""The public facility guide (施設案内): a facility's page with address, access, hours,
closed days, rooms and fee table, and the staff page that edits its descriptive fields."""
