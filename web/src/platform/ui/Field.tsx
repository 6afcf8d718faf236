import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react';
import type { FieldProps } from '../forms/use-form';

interface Labelled {
  label: ReactNode;
  hint?: ReactNode;
  error?: string;
  required?: boolean;
}

function Wrapper({ id, label, hint, error, required, children }: Labelled & { id: string; children: ReactNode }) {
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}{required ? null : <span className="optional" />}</label>
      {children}
      {error ? <p className="field-error" id={`${id}-error`} role="alert">{error}</p> : hint ? <p className="field-hint" id={`${id}-hint`}>{hint}</p> : null}
    </div>
  );
}

type InputProps = Labelled & Partial<FieldProps> & Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange' | 'onBlur' | 'value'> & {
  onChange?: InputHTMLAttributes<HTMLInputElement>['onChange'];
  onBlur?: () => void;
  value?: string;
};

export function TextField({ label, hint, error, required, ...input }: InputProps) {
  const id = useId();
  return (
    <Wrapper id={id} label={label} hint={hint} error={error} required={required}>
      <input id={id} className="input" required={required} aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : hint ? `${id}-hint` : undefined} {...input} />
    </Wrapper>
  );
}

type SelectProps = Labelled & Partial<FieldProps> & Omit<SelectHTMLAttributes<HTMLSelectElement>, 'onChange' | 'onBlur' | 'value'> & {
  onChange?: SelectHTMLAttributes<HTMLSelectElement>['onChange'];
  onBlur?: () => void;
  value?: string;
  options: { value: string; label: string }[];
};

export function SelectField({ label, hint, error, required, options, maxLength: _maxLength, ...select }: SelectProps) {
  const id = useId();
  return (
    <Wrapper id={id} label={label} hint={hint} error={error} required={required}>
      <select id={id} className="input" aria-invalid={error ? true : undefined} {...select}>
        {options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
      </select>
    </Wrapper>
  );
}

export function TextAreaField({ label, hint, error, required, ...area }: Labelled & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const id = useId();
  return (
    <Wrapper id={id} label={label} hint={hint} error={error} required={required}>
      <textarea id={id} className="input" aria-invalid={error ? true : undefined} {...area} />
    </Wrapper>
  );
}

export function Checkbox({ label, hint, checked, onChange, name, disabled }: { label: ReactNode; hint?: ReactNode; checked: boolean; onChange: (checked: boolean) => void; name?: string; disabled?: boolean }) {
  const id = useId();
  return (
    <div className="checkbox">
      <input id={id} type="checkbox" name={name} checked={checked} disabled={disabled} onChange={(e) => onChange(e.target.checked)} />
      <label htmlFor={id}>
        {label}
        {hint ? <span className="field-hint">{hint}</span> : null}
      </label>
    </div>
  );
}
