// Sign-out buttons and the organization switcher, on every signed-in page.
import { request } from "./api.js";

for (const button of document.querySelectorAll("[data-sign-out]")) {
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await request("/api/v1/sessions/current", { method: "DELETE" });
      location.assign("/");
    } catch {
      // Still signed in: going to / would bring the visitor straight back.
      button.textContent = "Sign out failed — try again";
      button.disabled = false;
    }
  });
}
