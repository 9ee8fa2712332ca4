import type { Metadata } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { Providers } from './_trpc/client';
import { AdminLink, AdminWarnings, WhoAmI } from './_components/who-am-i';
import { NavLink } from './_components/ui';
import './globals.css';

export const metadata: Metadata = { title: 'Brewline', description: 'Batch ML pipelines on Temporal' };

const SECTIONS = [
  ['/pipelines', 'Pipelines'],
  ['/runs', 'Runs'],
  ['/schedules', 'Schedules'],
  ['/models', 'Models'],
  ['/secrets', 'Secrets'],
] as const;

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen bg-stone-50 text-stone-900 antialiased">
        <Providers>
          <header className="border-b border-stone-200 bg-white">
            <nav className="mx-auto flex max-w-7xl items-center gap-6 px-6 py-3" aria-label="Main">
              <Link href="/pipelines" className="text-lg font-semibold tracking-tight text-amber-800">
                ☕ Brewline
              </Link>
              {SECTIONS.map(([href, label]) => (
                <NavLink key={href} href={href}>
                  {label}
                </NavLink>
              ))}
              <AdminLink />
              <WhoAmI />
            </nav>
          </header>
          <AdminWarnings />
          <main className="mx-auto max-w-7xl px-6 py-6">{children}</main>
        </Providers>
      </body>
    </html>
  );
}
