import { useAuth } from '../auth';
import { useT } from '../../i18n';
import { Button } from '../../ui/Button';
import { TotpEnrolment } from '../TotpEnrolment';

/** A role of this user requires two-factor: nothing else opens until it is on and they sign in with it. */
export default function TotpSetupRequired() {
  const t = useT();
  const { signOut } = useAuth();
  // Signed out, the page's guard sends the user to sign in, where the reason is shown.
  const again = () => signOut({ reason: 'totp_enabled' });
  return (
    <div className="auth-card auth-card-wide">
      <h1>{t('auth.totp.requiredTitle')}</h1>
      <p className="auth-lead">{t('auth.totp.requiredLead')}</p>
      <TotpEnrolment onDone={again} doneLabel={t('auth.totp.continueSignIn')} />
      <div className="auth-links"><Button variant="ghost" onClick={() => void signOut()}>{t('auth.signOut')}</Button></div>
    </div>
  );
}
