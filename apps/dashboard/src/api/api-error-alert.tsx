import type { ApiError } from './api-client';

/** A refusal of the API as the admin pages show it: the message and each reason given. */
export function ApiErrorAlert({ error }: { error?: ApiError }) {
  if (!error) return null;
  return (
    <div className="error-text" role="alert">
      {error.message}
      {error.reasons.length > 0 && (
        <ul>
          {error.reasons.map((reason) => (
            <li key={reason}>{reason}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
