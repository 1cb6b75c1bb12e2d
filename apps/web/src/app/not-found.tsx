import Link from 'next/link';

export default function NotFound() {
  return (
    <div className="empty-state">
      <p className="empty-title">This page does not exist.</p>
      <p>
        <Link href="/">Back to the leaderboard</Link>
      </p>
    </div>
  );
}
