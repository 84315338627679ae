// The "Secret ballot" box of the motion form shows what is usual for the kind of decision
// chosen: checked for an election (a vote on persons), unchecked for other votes, until
// the board changes the box itself. Without JavaScript the server sets the box and shows
// the form again when the kind changed (views._secret_box_seen).
(function () {
  "use strict";
  var kind = document.getElementById("decision_kind");
  var secret = document.getElementById("secret");
  var shownFor = document.getElementById("secret_shown_for");
  if (!kind || !secret || !shownFor) {
    return;
  }
  var changedByHand = false;
  secret.addEventListener("change", function () {
    changedByHand = true;
    shownFor.value = kind.value;
  });
  kind.addEventListener("change", function () {
    if (!changedByHand) {
      secret.checked = kind.value === "election"; // services.secret_by_default
    }
    shownFor.value = kind.value;
  });
})();
