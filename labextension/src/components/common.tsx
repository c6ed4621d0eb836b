import * as React from 'react';

/** An error as the server said it: message, then hint, unchanged. */
export function ErrorBox(props: {
  error: { message: string; hint?: string | null } | null;
  id?: string;
}): JSX.Element | null {
  if (!props.error) {
    return null;
  }
  return (
    <div className="jp-Promote-error" id={props.id} role="alert">
      <div className="jp-Promote-errorMessage">{props.error.message}</div>
      {props.error.hint ? <div className="jp-Promote-errorHint">{props.error.hint}</div> : null}
    </div>
  );
}

/** A titled section of the panel with a stable id. */
export function Section(props: {
  id: string;
  title: string;
  actions?: React.ReactNode;
  children: React.ReactNode;
}): JSX.Element {
  const [open, setOpen] = React.useState(true);
  return (
    <section id={props.id} className="jp-Promote-section" data-jp-promote-open={open}>
      <header className="jp-Promote-sectionHeader">
        <button
          className="jp-Promote-sectionToggle"
          aria-expanded={open}
          onClick={() => setOpen(!open)}
        >
          {open ? '▾' : '▸'} {props.title}
        </button>
        <span className="jp-Promote-sectionActions">{props.actions}</span>
      </header>
      {open ? <div className="jp-Promote-sectionBody">{props.children}</div> : null}
    </section>
  );
}

/** Format a parameter default for display. */
export function showValue(value: unknown): string {
  return value === null || value === undefined ? 'None' : JSON.stringify(value);
}
