import { css } from 'lit'

/** What every demo card shares; each element adds its own bits. */
export const cardStyles = css`
  :host {
    display: block;
    border: 1px solid var(--border, #e5e4e7);
    border-radius: 8px;
    padding: 16px;
    text-align: left;
  }
  h2 {
    margin: 0 0 12px;
    font-size: 20px;
    font-weight: 500;
  }
  .row {
    display: flex;
    gap: 8px;
    margin: 8px 0;
  }
  .row input {
    flex: 1;
    min-width: 0;
  }
  button,
  input {
    font: inherit;
    padding: 4px 10px;
    border-radius: 6px;
    border: 1px solid #d4d4d8;
    background: transparent;
    color: inherit;
    white-space: nowrap;
  }
  button[aria-pressed='true'] {
    border-color: #7c3aed;
    background: rgba(124, 58, 237, 0.1);
  }
  [role='alert'],
  .field-error {
    color: #dc2626;
  }
`
