// Form controls with the portal's look. Each forwards its element's own props (name, value, onChange, aria-*,
// data-testid, disabled…), so a control here is the native element with a class added.
import type { ComponentProps, ReactNode } from 'react';
import { cx, ErrorText } from './ui';

const CONTROL = 'rounded border border-stone-300';

export function TextInput({ className, ...props }: ComponentProps<'input'>) {
  return <input className={cx(CONTROL, 'px-2 py-1', className)} {...props} />;
}

export function Select({ className, ...props }: ComponentProps<'select'>) {
  return <select className={cx(CONTROL, 'px-2 py-1', className)} {...props} />;
}

/** Monospace, for lists and JSON; the caller sets the padding (a tight field or a roomy editor). */
export function TextArea({ className, ...props }: ComponentProps<'textarea'>) {
  return <textarea className={cx(CONTROL, 'font-mono text-xs', className)} {...props} />;
}

/** A label with its control under it (`inline`: beside it); the label's text names the control. */
export function Field({
  label,
  inline = false,
  children,
  className,
  ...props
}: ComponentProps<'label'> & { label: ReactNode; inline?: boolean }) {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is passed in as children
    <label className={cx(inline ? 'flex items-center gap-2' : 'flex flex-col gap-1', className)} {...props}>
      {label}
      {children}
    </label>
  );
}

/** A row of fields and a submit button; `nested` when it opens inside another panel. */
export function InlineForm({ nested = false, className, ...props }: ComponentProps<'form'> & { nested?: boolean }) {
  return (
    <form
      className={cx(
        'flex flex-wrap items-end gap-3 rounded border border-stone-200 p-3 text-sm',
        nested ? 'bg-stone-50' : 'bg-white',
        className,
      )}
      {...props}
    />
  );
}

type FieldError = { path: (string | number)[]; message: string };

/** The server's per-field problems, from a tRPC error (the error formatter puts them in `data.fields`). */
export function fieldErrorsOf(error: { data?: unknown } | null | undefined): FieldError[] {
  return (error?.data as { fields?: FieldError[] } | null | undefined)?.fields ?? [];
}

/** A failed submit: each field's problem ("email must be an email; …"), or else the error's message. */
export function FormError({
  error,
  className,
}: {
  error: { message: string; data?: unknown } | null | undefined;
  className?: string;
}) {
  if (!error) return null;
  const fields = fieldErrorsOf(error);
  return (
    <ErrorText className={className}>
      {fields.length ? fields.map((f) => `${f.path.join('.')} ${f.message}`).join('; ') : error.message}
    </ErrorText>
  );
}

const VARIANTS = {
  primary: 'bg-amber-700 text-white hover:bg-amber-800',
  outline: 'border border-amber-700 text-amber-800 hover:bg-amber-50',
  secondary: 'border border-stone-300 hover:bg-stone-50',
  danger: 'border border-red-300 text-red-800 hover:bg-red-50',
  success: 'bg-emerald-700 text-white hover:bg-emerald-800',
} as const;

const SIZES = {
  // in a cell's header
  sm: 'px-2 py-0.5 text-xs',
  md: 'px-3 py-1 text-sm',
  // the page's main action: run, sign in
  lg: 'px-3 py-1.5 text-sm font-medium',
} as const;

/** A button; `type` is "button" unless given, so a button inside a form submits only when it says so. */
export function Button({
  variant = 'primary',
  size = 'md',
  type = 'button',
  className,
  ...props
}: ComponentProps<'button'> & { variant?: keyof typeof VARIANTS; size?: keyof typeof SIZES }) {
  return (
    <button
      type={type}
      className={cx(
        'rounded focus:outline-none focus-visible:ring-2 focus-visible:ring-amber-500 disabled:opacity-50',
        VARIANTS[variant],
        SIZES[size],
        className,
      )}
      {...props}
    />
  );
}

const TEXT_TONES = {
  accent: 'text-amber-800',
  danger: 'text-red-700',
  muted: 'text-stone-600 hover:text-stone-900',
} as const;

/** A button that reads like a link: view, diff, revoke, sign out. */
export function TextButton({
  tone = 'accent',
  type = 'button',
  className,
  ...props
}: ComponentProps<'button'> & { tone?: keyof typeof TEXT_TONES }) {
  return <button type={type} className={cx('underline', TEXT_TONES[tone], className)} {...props} />;
}
