// The FlowGen console's instance actions (suspend, resume, cancel, repair). Each button posts to the console's JSON
// API with the header X-FlowGen-Console: a form on another site cannot send it, and a script on another site that
// tries needs a CORS preflight the application does not grant. The page reloads to show the instance as it is now.
document.addEventListener('DOMContentLoaded', () => {
  const buttons = Array.from(document.querySelectorAll('button[data-action]'));
  const status = document.getElementById('action-status');
  for (const button of buttons) {
    button.addEventListener('click', async () => {
      const reason = document.getElementById('reason')?.value ?? '';
      buttons.forEach(b => b.disabled = true);
      status.textContent = button.dataset.action + '…';
      try {
        const response = await fetch(button.dataset.url, {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'X-FlowGen-Console': '1', 'Content-Type': 'application/json' },
          body: JSON.stringify({ reason }),
        });
        const body = await response.json().catch(() => ({}));
        if (response.ok) {
          location.reload();
          return;
        }
        status.textContent = body.error ?? (response.status + ' ' + response.statusText);
      } catch (error) {
        status.textContent = String(error);
      }
      buttons.forEach(b => b.disabled = false);
    });
  }
});
