import { test } from 'node:test';
import assert from 'node:assert/strict';
import { twilioSignature, verifyTwilioSignature } from './twilio-signature.js';

const TOKEN = 'test-auth-token-123';
const URL_ = 'https://atrium.example.org/api/v1/consultations/webhooks/twilio/status';
const params = () => new URLSearchParams({
  MessageSid: 'SM0123456789abcdef0123456789abcdef', MessageStatus: 'delivered', AccountSid: 'AC0123456789abcdef0123456789abcdef',
  To: 'whatsapp:+243810000001', From: 'whatsapp:+14155238886',
});

test('the signature matches the documented test vector', () => {
  assert.equal(twilioSignature(TOKEN, URL_, params()), 'pMvAT8Cd0AdJOiH13od5lFvPL5U=');
  assert.equal(verifyTwilioSignature(TOKEN, URL_, params(), 'pMvAT8Cd0AdJOiH13od5lFvPL5U='), true);
});

test('a changed parameter, URL or token fails the check', () => {
  const tampered = params();
  tampered.set('MessageStatus', 'failed');
  assert.equal(verifyTwilioSignature(TOKEN, URL_, tampered, 'pMvAT8Cd0AdJOiH13od5lFvPL5U='), false);
  assert.equal(verifyTwilioSignature(TOKEN, `${URL_}?x=1`, params(), 'pMvAT8Cd0AdJOiH13od5lFvPL5U='), false);
  assert.equal(verifyTwilioSignature('other-token', URL_, params(), 'pMvAT8Cd0AdJOiH13od5lFvPL5U='), false);
  assert.equal(verifyTwilioSignature(TOKEN, URL_, params(), 'short'), false);
});

test('a signature made over the URL with its default port explicit is accepted', () => {
  const signed = twilioSignature(TOKEN, 'https://atrium.example.org:443/api/v1/consultations/webhooks/twilio/status', params());
  assert.equal(verifyTwilioSignature(TOKEN, URL_, params(), signed), true);
});
