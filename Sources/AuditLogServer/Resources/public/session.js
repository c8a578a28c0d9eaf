// Sign-out buttons and the organization switcher, on every signed-in page.
import { request } from "./api.js";

for (const button of document.querySelectorAll("[data-sign-out]")) {
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await request("/api/v1/sessions/current", { method: "DELETE" });
    } finally {
      location.assign("/");
    }
  });
}

const switcher = document.getElementById("organization-switcher");
switcher?.addEventListener("change", () => location.assign(switcher.value));
