"""monthly close: latest-per-person table, month close/snapshot, zone submissions, unlocks, ranking settings,
spot inspections, crime-related late entries, comments, talks (issue 7)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27

"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('verification_latest',
    sa.Column('record_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('result', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('record_id'),
    sa.UniqueConstraint('month', 'committee_id', 'person_id', name='uq_verification_latest_person')
    )
    with op.batch_alter_table('verification_latest', schema=None) as batch_op:
        batch_op.create_index('ix_verification_latest_month_committee_result', ['month', 'committee_id', 'result'],
                              unique=False)

    op.create_table('month_close',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('drafted_at', sa.DateTime(), nullable=True),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('approved_by_fk', sa.Integer(), nullable=True),
    sa.Column('approved_by', sa.String(length=128), nullable=True),
    sa.Column('snapshot_json', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['approved_by_fk'], ['ab_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('year', 'month', name='uq_month_close_month')
    )
    op.create_table('month_zone_submission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('zone_id', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_by_fk', sa.Integer(), nullable=True),
    sa.Column('submitted_by', sa.String(length=128), nullable=False),
    sa.Column('on_time', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['submitted_by_fk'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['zone_id'], ['zone.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('year', 'month', 'zone_id', name='uq_month_zone_submission')
    )
    op.create_table('month_unlock',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('opened_by', sa.String(length=128), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['committee_id'], ['committee.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('month_unlock', schema=None) as batch_op:
        batch_op.create_index('ix_month_unlock_lookup', ['year', 'month', 'committee_id'], unique=False)

    op.create_table('ranking_setting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    for table in ('spot_inspection', 'crime_late_entry', 'ranking_comment'):
        columns = [
            sa.Column('id', sa.Integer(), nullable=False),
            sa.Column('year', sa.Integer(), nullable=False),
            sa.Column('month', sa.Integer(), nullable=False),
            sa.Column('committee_id', sa.Integer(), nullable=False),
        ]
        if table == 'spot_inspection':
            columns += [sa.Column('inspected_on', sa.Date(), nullable=True),
                        sa.Column('inspector', sa.String(length=128), nullable=True),
                        sa.Column('score', sa.Float(), nullable=False),
                        sa.Column('note', sa.String(length=500), nullable=True)]
        elif table == 'crime_late_entry':
            columns += [sa.Column('description', sa.String(length=500), nullable=False),
                        sa.Column('serious_violent', sa.Boolean(), nullable=False)]
        else:
            columns += [sa.Column('text', sa.String(length=500), nullable=False)]
        extra = [sa.UniqueConstraint('year', 'month', 'committee_id', name='uq_ranking_comment')] \
            if table == 'ranking_comment' else []
        op.create_table(table, *columns,
                        sa.ForeignKeyConstraint(['committee_id'], ['committee.id'], ),
                        sa.PrimaryKeyConstraint('id'), *extra)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(f'ix_{table}_committee_id', ['committee_id'], unique=False)
            if table != 'ranking_comment':
                batch_op.create_index(f'ix_{table}_month', ['year', 'month', 'committee_id'], unique=False)

    op.create_table('talk',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(length=16), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=True),
    sa.Column('member_user_id', sa.Integer(), nullable=True),
    sa.Column('member_name', sa.String(length=128), nullable=True),
    sa.Column('times_last', sa.Integer(), nullable=False),
    sa.Column('rung', sa.Integer(), nullable=False),
    sa.Column('rung_code', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('who_talks', sa.String(length=128), nullable=False),
    sa.Column('to_whom', sa.String(length=128), nullable=False),
    sa.Column('participants', sa.String(length=500), nullable=True),
    sa.Column('talk_date', sa.Date(), nullable=True),
    sa.Column('place', sa.String(length=255), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['committee_id'], ['committee.id'], ),
    sa.ForeignKeyConstraint(['member_user_id'], ['ab_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('year', 'month', 'target', name='uq_talk_month_target')
    )
    with op.batch_alter_table('talk', schema=None) as batch_op:
        batch_op.create_index('ix_talk_committee_year', ['committee_id', 'year'], unique=False)

    # verification_record is issue 6's table; this index serves the per-flush refresh of verification_latest.
    with op.batch_alter_table('verification_record', schema=None) as batch_op:
        batch_op.create_index('ix_verification_record_committee_person_day',
                              ['committee_id', 'person_id', 'checked_on'], unique=False)


def downgrade():
    with op.batch_alter_table('verification_record', schema=None) as batch_op:
        batch_op.drop_index('ix_verification_record_committee_person_day')
    for table in ('talk', 'ranking_comment', 'crime_late_entry', 'spot_inspection', 'ranking_setting',
                  'month_unlock', 'month_zone_submission', 'month_close', 'verification_latest'):
        op.drop_table(table)
