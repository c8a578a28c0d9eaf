// The sign-in form: trades an email and password for a session cookie, then goes on.
import { ApiError, request } from "./api.js";

const form = document.getElementById("sign-in-form");
const error = document.getElementById("sign-in-error");
const button = document.getElementById("sign-in");

function showError(message) {
  error.textContent = message;
  error.hidden = false;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.hidden = true;
  const email = form.email.value.trim();
  const password = form.password.value;
  if (!email || !password) {
    showError("Enter your email and password.");
    (email ? form.password : form.email).focus();
    return;
  }
  button.disabled = true;
  button.textContent = "Signing in…";
  try {
    const response = await request("/api/v1/sessions", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email, password }),
    });
    const session = await response.json();
    const next = form.dataset.next;
    const admin = session.organizations.find((organization) => organization.role === "admin");
    const landing = admin ?? session.organizations[0];
    location.assign(next || (landing ? `/organizations/${encodeURIComponent(landing.id)}/audit-logs` : "/"));
  } catch (failure) {
    const message = failure instanceof ApiError && failure.status === 422
      ? "Enter a valid email address and your password."
      : failure.message;
    showError(message);
    form.password.select();
    button.disabled = false;
    button.textContent = "Sign in";
  }
});
