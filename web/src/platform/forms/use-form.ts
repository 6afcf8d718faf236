import { useCallback, useMemo, useRef, useState, type ChangeEvent, type FormEvent } from 'react';
import { ApiError } from '../../api/problem';
import { useT } from '../i18n';
import { bodySchema, checkBody, type JsonSchema, type Operation, type RuleProblem } from './rules';

type Values = Record<string, unknown>;

export interface FormOptions<V extends Values> {
  /** The API operation whose body schema gives the rules, e.g. `POST /api/v1/auth/register`. */
  operation?: Operation;
  initial: V;
  /** Rules beyond the schema (a confirmation that must match, the password rules). */
  extra?: (values: V) => Partial<Record<keyof V & string, RuleProblem | null>>;
  onSubmit: (values: V) => Promise<unknown>;
}

export interface FieldProps {
  name: string;
  value: string;
  error?: string;
  required: boolean;
  maxLength?: number;
  onChange: (e: ChangeEvent<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>) => void;
  onBlur: () => void;
}

/**
 * Values, live validation and submission of one form. A field shows its problem once the user has
 * left it (or tried to submit), then re-checks on every keystroke; the server's per-field `errors`
 * land on the same fields, and the rest in `failure`.
 */
export function useForm<V extends Values>(options: FormOptions<V>) {
  const initial = useRef(options.initial).current;
  const t = useT();
  const schema: JsonSchema = useMemo(() => (options.operation ? bodySchema(options.operation) : {}), [options.operation]);
  const [values, setValues] = useState<V>(options.initial);
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const [submitted, setSubmitted] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<ApiError | null>(null);
  const extra = useRef(options.extra);
  extra.current = options.extra;
  const onSubmit = useRef(options.onSubmit);
  onSubmit.current = options.onSubmit;

  const fields = Object.keys(options.initial);
  const problems = useMemo(() => {
    const found: Record<string, RuleProblem> = checkBody(schema, values, fields);
    for (const [field, problem] of Object.entries(extra.current?.(values) ?? {})) {
      if (problem && !found[field]) found[field] = problem as RuleProblem;
    }
    return found;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [schema, values]);

  const errorOf = (field: string): string | undefined => {
    if (serverErrors[field]) return serverErrors[field];
    if (!(touched[field] || submitted)) return undefined;
    const p = problems[field];
    return p ? t(p.key, p.values) : undefined;
  };

  const set = useCallback(<K extends keyof V>(field: K, value: V[K]) => {
    setValues((v) => ({ ...v, [field]: value }));
    setServerErrors((e) => (e[field as string] ? { ...e, [field as string]: '' } : e));
  }, []);

  const field = (name: keyof V & string, parse: { number?: boolean } = {}): FieldProps => {
    const prop = schema.properties?.[name];
    const branch = prop?.anyOf?.find((b) => b.type !== 'null') ?? prop;
    return {
      name,
      value: values[name] === undefined || values[name] === null ? '' : String(values[name]),
      error: errorOf(name),
      required: schema.required?.includes(name) ?? false,
      maxLength: branch?.maxLength,
      onChange: (e) => {
        const raw = e.target.value;
        set(name, (parse.number ? (raw === '' ? undefined : Number(raw)) : raw) as V[typeof name]);
      },
      // A field left untouched says nothing until submit: a "Required" popping up on blur would move the
      // page under the pointer (a click on the link below would land elsewhere).
      onBlur: () => { if (values[name] !== initial[name]) setTouched((t) => ({ ...t, [name]: true })); },
    };
  };

  const handleSubmit = async (e?: FormEvent) => {
    e?.preventDefault();
    setSubmitted(true);
    setFailure(null);
    if (Object.keys(problems).length > 0) {
      const first = Object.keys(problems)[0];
      document.querySelector<HTMLElement>(`[name="${first}"]`)?.focus();
      return;
    }
    setSubmitting(true);
    try {
      await onSubmit.current(values);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const byField = err.fieldErrors();
      setServerErrors(Object.fromEntries(Object.entries(byField).filter(([k]) => fields.includes(k))));
      setFailure(err);
    } finally {
      setSubmitting(false);
    }
  };

  const reset = (next?: V) => {
    setValues(next ?? options.initial);
    setTouched({});
    setSubmitted(false);
    setServerErrors({});
    setFailure(null);
  };

  return { values, set, field, handleSubmit, submitting, failure, setFailure, problems, valid: Object.keys(problems).length === 0, reset, fields };
}
