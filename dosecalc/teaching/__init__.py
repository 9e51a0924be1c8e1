"""Teaching: exercise sheets made from the regimen cards, and the marking of students' answers."""
