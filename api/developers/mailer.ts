import nodemailer from 'nodemailer';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export type Mailer = (mail: Mail) => Promise<void>;

/**
 * Sends the developers' sign-in links: through SMTP when SMTP_URL is set (nodemailer), else as a log
 * line (development, tests), so the link can be read from the server's output.
 */
export function createMailer(opts: { smtpUrl?: string; from: string }, log: (line: string) => void): Mailer {
  if (!opts.smtpUrl) {
    return async (m) => log(`mail (no SMTP_URL; logged instead of sent) to ${m.to}: ${m.subject}\n${m.text}`);
  }
  const transport = nodemailer.createTransport(opts.smtpUrl);
  return async (m) => {
    await transport.sendMail({ from: opts.from, to: m.to, subject: m.subject, text: m.text });
  };
}
