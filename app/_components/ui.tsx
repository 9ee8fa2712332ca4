// The portal's repeated pieces of markup: cards, tables, titles, chips, links and the loading and error lines.
// Each forwards its element's own props, so labels, test ids and handlers pass straight through.
import Link from 'next/link';
import type { ComponentProps, ComponentPropsWithoutRef, ElementType, ReactNode } from 'react';

/** Joins class names, skipping the empty ones. Callers add classes; none of them overrides a base class. */
export function cx(...names: (string | false | null | undefined)[]): string {
  return names.filter(Boolean).join(' ');
}

type As<T extends ElementType> = { as?: T; className?: string } & Omit<ComponentPropsWithoutRef<T>, 'as' | 'className'>;

/** A white bordered panel, as whatever element fits (aside, section, form, article…). */
export function Card<T extends ElementType = 'div'>({ as, className, ...props }: As<T>) {
  const Tag: ElementType = as ?? 'div';
  return <Tag className={cx('rounded-lg border border-stone-200 bg-white', className)} {...props} />;
}

/** A card holding a list, one row per entry. */
export function CardList({ className, ...props }: ComponentProps<'ul'>) {
  return <Card as="ul" className={cx('divide-y divide-stone-200', className)} {...props} />;
}

/** A chart or diagram in a card, with its caption. */
export function Figure({ caption, children }: { caption: ReactNode; children: ReactNode }) {
  return (
    <Card as="figure" className="overflow-x-auto p-3">
      <figcaption className="mb-2 text-sm font-medium text-stone-700">{caption}</figcaption>
      {children}
    </Card>
  );
}

/** A table with a header row; `columns` are the header cells' text (an empty string for a blank one). */
export function Table({
  columns,
  children,
  className,
  ...props
}: ComponentProps<'table'> & { columns: readonly string[] }) {
  return (
    <table className={cx('w-full rounded border border-stone-200 bg-white text-sm', className)} {...props}>
      <thead className="bg-stone-100 text-left text-stone-600">
        <tr>
          {columns.map((c) => (
            <th key={c} className="p-2">
              {c}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}

export function Row({ className, ...props }: ComponentProps<'tr'>) {
  return <tr className={cx('border-t border-stone-100', className)} {...props} />;
}

export function Cell({ className, ...props }: ComponentProps<'td'>) {
  return <td className={cx('p-2', className)} {...props} />;
}

export function PageTitle({ className, ...props }: ComponentProps<'h1'>) {
  return <h1 className={cx('text-2xl font-semibold', className)} {...props} />;
}

export function SectionTitle({ className, ...props }: ComponentProps<'h2'>) {
  return <h2 className={cx('text-lg font-medium', className)} {...props} />;
}

const CHIP_TONES = {
  amber: 'bg-amber-50 text-amber-800',
  stone: 'bg-stone-100 text-stone-700',
  grey: 'bg-stone-200 text-stone-700',
  violet: 'bg-violet-100 text-violet-800',
  sky: 'bg-sky-50 text-sky-800',
  emerald: 'bg-emerald-100 text-emerald-800',
} as const;

/** A small label: a tag, a role, a step's kind or queue, a schedule's state. */
export function Chip({ tone, className, ...props }: ComponentProps<'span'> & { tone: keyof typeof CHIP_TONES }) {
  return <span className={cx('rounded px-1.5 py-0.5 text-xs', CHIP_TONES[tone], className)} {...props} />;
}

/** A link within the text of a page. */
export function TextLink({ className, ...props }: ComponentProps<typeof Link>) {
  return <Link className={cx('text-amber-800 underline', className)} {...props} />;
}

/** A link in the top navigation. */
export function NavLink({ className, ...props }: ComponentProps<typeof Link>) {
  return <Link className={cx('text-sm text-stone-600 hover:text-stone-900', className)} {...props} />;
}

/** `what` names what is loading ("Loading models…"); without it, "Loading…". */
export function Loading({ what, className }: { what?: string; className?: string }) {
  return <p className={cx('text-stone-500', className)}>{what ? `Loading ${what}…` : 'Loading…'}</p>;
}

/** An error the user should read, announced as an alert. */
export function ErrorText({ className, ...props }: ComponentProps<'p'>) {
  return <p role="alert" className={cx('text-red-700', className)} {...props} />;
}

/** An error that stands on its own in a page (a run that failed, a run that would not start), boxed. */
export function ErrorBox({ className, ...props }: ComponentProps<'p'>) {
  return (
    <p
      role="alert"
      className={cx('rounded border border-red-200 bg-red-50 p-2 text-sm text-red-800', className)}
      {...props}
    />
  );
}

/** A page whose data could not be read: "Could not load models: <why>". */
export function LoadError({ what, error }: { what: string; error: { message: string } }) {
  return (
    <ErrorText>
      Could not load {what}: {error.message}
    </ErrorText>
  );
}
