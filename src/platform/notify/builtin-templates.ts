import type { TemplateRegistry } from './templates.js';

const clip = (text: unknown, max = 500) => {
  const s = String(text ?? '');
  return s.length > max ? `${s.slice(0, max)}…` : s;
};

/** The platform's own categories and templates; modules add theirs through notify.defineTemplate. */
export function defineBuiltinTemplates(registry: TemplateRegistry): void {
  registry.defineCategory({ name: 'account', description: 'Sign-in and account security', defaultChannels: ['email'] });
  registry.defineCategory({ name: 'ops', description: 'Operations alerts for administrators (failed jobs, missed schedules)', defaultChannels: ['inapp'] });
  registry.defineCategory({ name: 'general', description: 'Messages from the team and the services', defaultChannels: ['inapp', 'push'] });

  registry.defineTemplate<{ displayName?: string; link: string }>({
    name: 'password_reset',
    category: 'account',
    secretKeys: ['link', 'token'],
    en: (d) => ({
      title: 'Reset your Atrium password',
      body: `Hello ${d.displayName ?? ''},\n\nSomeone (hopefully you) asked to reset the password of your Atrium account. `
        + `Open this link within 60 minutes to choose a new one:\n\n${d.link}\n\nIf it was not you, ignore this message: your password stays as it is.`,
      link: d.link,
    }),
    fr: (d) => ({
      title: 'Réinitialisez votre mot de passe Atrium',
      body: `Bonjour ${d.displayName ?? ''},\n\nQuelqu'un (vous, espérons-le) a demandé à réinitialiser le mot de passe de votre compte Atrium. `
        + `Ouvrez ce lien dans les 60 minutes pour en choisir un nouveau :\n\n${d.link}\n\nSi ce n'était pas vous, ignorez ce message : votre mot de passe ne change pas.`,
      link: d.link,
    }),
  });

  registry.defineTemplate<{ queue: string; jobId: string; error?: string }>({
    name: 'job_failed',
    category: 'ops',
    en: (d) => ({
      title: `Job failed: ${d.queue}`,
      body: `Job ${d.jobId} of queue ${d.queue} failed after its last retry and went to the dead-letter queue.\n\nError: ${clip(d.error)}`,
      sms: `Atrium: job ${d.queue} failed (${d.jobId})`,
    }),
    fr: (d) => ({
      title: `Tâche en échec : ${d.queue}`,
      body: `La tâche ${d.jobId} de la file ${d.queue} a échoué après sa dernière tentative et a rejoint la file des échecs.\n\nErreur : ${clip(d.error)}`,
      sms: `Atrium : tâche ${d.queue} en échec (${d.jobId})`,
    }),
  });

  registry.defineTemplate<{ schedule: string; queue: string; fireTimes: string[]; reason: 'missed' | 'stale'; catchUp: boolean }>({
    name: 'schedule_missed',
    category: 'ops',
    en: (d) => ({
      title: `Schedule missed: ${d.schedule}`,
      body: (d.reason === 'stale'
        ? `Schedule ${d.schedule} (queue ${d.queue}) has not started for three of its intervals; last expected ${d.fireTimes.at(-1)}.`
        : `Schedule ${d.schedule} (queue ${d.queue}) did not run at ${d.fireTimes.join(', ')}: no process was running.`)
        + (d.catchUp ? '\n\nOne catch-up run has been started.' : ''),
      sms: `Atrium: schedule ${d.schedule} missed (${d.fireTimes.at(-1)})`,
    }),
    fr: (d) => ({
      title: `Exécution manquée : ${d.schedule}`,
      body: (d.reason === 'stale'
        ? `La planification ${d.schedule} (file ${d.queue}) n'a pas démarré depuis trois de ses intervalles ; dernière attendue ${d.fireTimes.at(-1)}.`
        : `La planification ${d.schedule} (file ${d.queue}) ne s'est pas exécutée à ${d.fireTimes.join(', ')} : aucun processus ne tournait.`)
        + (d.catchUp ? '\n\nUne exécution de rattrapage a été lancée.' : ''),
      sms: `Atrium : exécution ${d.schedule} manquée (${d.fireTimes.at(-1)})`,
    }),
  });

  // A message written by a person or a module: the text is the caller's, in the caller's language.
  registry.defineTemplate<{ title: string; body: string; link?: string }>({
    name: 'message',
    category: 'general',
    en: (d) => ({ title: d.title, body: d.body, link: d.link }),
    fr: (d) => ({ title: d.title, body: d.body, link: d.link }),
  });
}
