// The trip form's pick-up: typing another place chooses "Another place", so that a saved address
// left checked is not booked with the typed place ignored (the server refuses the two together).
document.addEventListener("input", (event) => {
  const typed = event.target.closest("input[data-other-place]");
  if (!typed || !typed.value.trim()) return;
  const other = document.getElementById(typed.dataset.otherPlace);
  if (other && !other.checked) other.checked = true;
});
